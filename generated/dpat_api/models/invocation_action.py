from enum import StrEnum


class InvocationAction(StrEnum):
    CANCEL = "cancel"
    CREATE = "create"
    DELETE = "delete"
    MODIFY = "modify"
    NEW_IMAGE_FILES = "newImageFiles"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "InvocationAction | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member
