from enum import StrEnum


class QualityControlStatus(StrEnum):
    NOT_SET = "NotSet"
    QUALITY_OK = "QualityOk"
    REJECTED = "Rejected"

    def __str__(self) -> str:
        return str(self.value)
