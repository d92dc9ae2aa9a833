from enum import StrEnum


class InputType(StrEnum):
    MULTI_AREA = "multiArea"
    TAGGED_POLYGON = "taggedPolygon"
    WHOLE_SLIDE = "wholeSlide"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "InputType | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member
