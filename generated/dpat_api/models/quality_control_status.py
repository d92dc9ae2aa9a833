from enum import StrEnum


class QualityControlStatus(StrEnum):
    NOT_SET = "NotSet"
    QUALITY_OK = "QualityOk"
    REJECTED = "Rejected"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "QualityControlStatus | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member
