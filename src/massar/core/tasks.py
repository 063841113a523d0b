from celery import shared_task


@shared_task(name="massar.job_run")
def job_run_task(job_id: int) -> None:
    from massar.core.jobs import job_run

    job_run(job_id)
