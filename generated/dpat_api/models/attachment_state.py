from enum import StrEnum


class AttachmentState(StrEnum):
    NEW = "new"
    STORED = "stored"
    UPLOAD_IN_PROGRESS = "upload-in-progress"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "AttachmentState | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member
