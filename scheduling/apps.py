from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Follow-ups"

    def ready(self):
        import os

        from django.core import checks
        from django_q.signals import post_spawn

        from scheduling.checks import dispatch_fits_the_task_timeout

        # A dispatch task Django-Q2 would kill mid-send stops check, runserver and qcluster.
        checks.register(dispatch_fits_the_task_timeout)

        from channels_out.connections import forget_pools_after_fork

        # Cluster processes are forked: none may use its parent's pooled connections.
        os.register_at_fork(after_in_child=forget_pools_after_fork)

        from scheduling.tasks import start_in_worker

        # Every cluster worker process dispatches (see scheduling/tasks.py).
        post_spawn.connect(start_in_worker, dispatch_uid="followups-dispatcher")
