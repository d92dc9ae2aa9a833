from enum import StrEnum


class ResultType(StrEnum):
    PATCHES = "patchCollection"
    PRIMITIVES = "primitive"

    def __str__(self) -> str:
        return str(self.value)
