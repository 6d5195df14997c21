"""Domain errors carry the HTTP status the API answers with; commands turn them into CommandError, pages show
them next to the field they name."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, detail, field=None, **extra):
        super().__init__(detail)
        self.detail, self.field, self.extra = detail, field, extra

    def as_json(self):
        body = {"detail": self.detail}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class BadInput(DomainError):
    status_code = 400


class Forbidden(DomainError):
    status_code = 403


class NotVisible(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409
