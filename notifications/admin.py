"""The administrator's view of deliveries: what failed, why, and a button to send it again."""
from django.contrib import admin, messages

from notifications import services
from notifications.models import Delivery, DeliveryStatus, Message


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "title", "channel", "address", "status", "attempts", "next_attempt_at", "last_error_short")
    list_filter = ("status", "channel")
    search_fields = ("address", "message__title", "message__recipient__username")
    list_select_related = ("message__recipient",)
    actions = ("retry",)
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.display(description="收件人")
    def recipient(self, obj):
        return obj.message.recipient

    @admin.display(description="标题")
    def title(self, obj):
        return obj.message.title

    @admin.display(description="错误")
    def last_error_short(self, obj):
        return obj.last_error[:80]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="立即重新发送选中的投递", permissions=["change"])
    def retry(self, request, queryset):
        count = services.deliveries_retry(queryset)
        self.message_user(request, f"已安排重新发送{count}条投递。", messages.SUCCESS)


class FailedDelivery(Delivery):
    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "发送失败的投递"


@admin.register(FailedDelivery)
class FailedDeliveryAdmin(DeliveryAdmin):
    """Deliveries that gave up after every retry, or are waiting to retry after an error."""

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status=DeliveryStatus.SENT).exclude(last_error="")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username", "cause")
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
