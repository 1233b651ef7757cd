"""System checks on the dispatcher's timing against Django-Q2's, run by `manage.py check`,
runserver and qcluster (registered in SchedulingConfig.ready())."""

from django.conf import settings
from django.core import checks


def dispatch_fits_the_task_timeout(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The minute schedule's task (scheduling.tasks.dispatch_loop) must end before Django-Q2
    kills it at Q_TIMEOUT: killed mid-send, the follow-ups it had handed to the provider end
    as send_outcome_unknown. It runs DISPATCH_LOOP_SECONDS of passes (one pass when the
    workers dispatch themselves); the last may claim for DISPATCH_TIME_BUDGET_SECONDS, and
    its last provider calls may take PROVIDER_TIMEOUT_SECONDS."""
    timeout = settings.Q_CLUSTER.get("timeout")
    retry = settings.Q_CLUSTER.get("retry")
    errors: list[checks.CheckMessage] = []
    loop = 0 if settings.DISPATCH_IN_WORKERS else settings.DISPATCH_LOOP_SECONDS
    budget, provider = settings.DISPATCH_TIME_BUDGET_SECONDS, settings.PROVIDER_TIMEOUT_SECONDS
    longest = loop + budget + provider
    if timeout and longest >= timeout:
        parts = f"DISPATCH_LOOP_SECONDS={loop} + " if loop else ""
        errors.append(
            checks.Error(
                f"A dispatch task may run {longest:g} s ({parts}DISPATCH_TIME_BUDGET_SECONDS={budget} "
                f"+ PROVIDER_TIMEOUT_SECONDS={provider:g}), not less than the Django-Q task timeout "
                f"Q_TIMEOUT={timeout}: the cluster would kill it mid-send.",
                hint=f"Lower {'DISPATCH_LOOP_SECONDS or ' if loop else ''}DISPATCH_TIME_BUDGET_SECONDS, "
                f"or raise Q_TIMEOUT above {longest:g} (and Q_RETRY above Q_TIMEOUT).",
                id="followups.E004",
            )
        )
    if timeout and retry is not None and retry <= timeout:
        errors.append(
            checks.Error(
                f"Q_RETRY={retry} is not above Q_TIMEOUT={timeout}: the broker would hand a task that is "
                "still running to another worker, which runs it again (a workflow's email or webhook twice).",
                hint="Set Q_RETRY above Q_TIMEOUT (the defaults: Q_TIMEOUT=120, Q_RETRY=180).",
                id="followups.E005",
            )
        )
    return errors
