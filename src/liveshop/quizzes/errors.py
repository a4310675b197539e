from liveshop.core.errors import Conflict, InvalidInput, NotFound


class QuizNotFound(NotFound):
    code = "quiz_not_found"
    title = "Quiz not found"


class QuestionNotFound(NotFound):
    code = "quiz_question_not_found"
    title = "Question not found"


class QuestionNotOpen(Conflict):
    code = "quiz_question_not_open"
    title = "This question is not open for answers"


class AnswerTooLate(Conflict):
    code = "answer_too_late"
    title = "Time was up when your answer arrived"


class AlreadyAnswered(Conflict):
    code = "already_answered"
    title = "You have already answered this question"


class QuizNotRunning(Conflict):
    code = "quiz_not_running"
    title = "This quiz is not running"


class BadChoice(InvalidInput):
    code = "quiz_choice_not_found"
    title = "That is not one of the question's options"
