from liveshop.core.errors import Conflict, InvalidInput, LiveshopError, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"
    title = "Order not found"


class IdempotencyKeyRequired(LiveshopError):
    status = 400
    code = "idempotency_key_required"
    title = "Send an Idempotency-Key header (1-64 visible ASCII characters)"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was already used for a different request"


class OrderNotPayable(Conflict):
    code = "order_not_payable"
    title = "This order cannot be paid in its current state"


class OrderNotCancellable(Conflict):
    code = "order_not_cancellable"
    title = "Only orders waiting for payment can be cancelled"


class OrderNotRefundable(Conflict):
    code = "order_not_refundable"
    title = "Only paid orders can be refunded"


class UnknownPaymentProvider(NotFound):
    code = "unknown_payment_provider"
    title = "No such payment provider"


class BadWebhookSignature(LiveshopError):
    status = 400
    code = "bad_webhook_signature"
    title = "Webhook signature missing or invalid"


class WebhookReplayed(Conflict):
    code = "webhook_replayed"
    title = "This webhook event was already processed or is too old"


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    title = "Payment not found"


class PaymentMismatch(LiveshopError):
    status = 400
    code = "payment_mismatch"
    title = "The payment amount or currency does not match the order"
