from enum import StrEnum


class ResultType(StrEnum):
    PATCHES = "patchCollection"
    PRIMITIVES = "primitive"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "ResultType | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member
