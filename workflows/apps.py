from django.apps import AppConfig


def _queue_workflows(sender, follow_ups, **kwargs):
    from workflows.actions import enqueue_workflows

    enqueue_workflows(follow_ups)


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self):
        from scheduling.signals import follow_ups_sent

        # Workflows sit above the engine: the engine announces sends, it never calls in here.
        follow_ups_sent.connect(_queue_workflows, dispatch_uid="workflows.queue")
