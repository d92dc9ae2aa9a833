from enum import StrEnum


class InvocationAction(StrEnum):
    CANCEL = "cancel"
    CREATE = "create"
    DELETE = "delete"
    MODIFY = "modify"
    NEW_IMAGE_FILES = "newImageFiles"

    def __str__(self) -> str:
        return str(self.value)
