from liveshop.core.errors import Conflict, InvalidInput


class CommentEmpty(InvalidInput):
    code = "comment_empty"
    title = "A comment needs some text"


class ReservationClosed(Conflict):
    code = "reservation_closed"
    title = "Only scheduled shows can be reserved"
