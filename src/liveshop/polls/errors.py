from liveshop.core.errors import Conflict, InvalidInput, NotFound


class PollNotFound(NotFound):
    code = "poll_not_found"
    title = "Poll not found"


class PollClosed(Conflict):
    code = "poll_closed"
    title = "This poll has closed"


class AlreadyVoted(Conflict):
    code = "already_voted"
    title = "You have already voted in this poll"


class NoSuchOption(InvalidInput):
    code = "poll_option_not_found"
    title = "That is not one of this poll's options"
