"""Input and output shapes of the jobs and results admin API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jobs.models import Job, JobStatus, Result
from jobs.selectors import job_result, result_is_expired


class JobSlotOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ResultOutputSerializer(serializers.Serializer):
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="After this the result answers 410 Gone.")
    expired = serializers.SerializerMethodField(help_text="True once the result can no longer be downloaded.")

    def get_expired(self, result: Result) -> bool:
        return result_is_expired(result=result)


class JobListOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    slot = JobSlotOutputSerializer(allow_null=True, help_text="Null once the slot was deleted.")
    provider = serializers.CharField()
    operation = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.SerializerMethodField()
    failure_code = serializers.CharField()
    has_result = serializers.SerializerMethodField()
    fallback_reason = serializers.CharField(
        help_text="Why the booth got the slot's fallback instead of this job's answer (the failure code, or "
        "`answer_by`); empty when it did not. The status stays the job's own outcome."
    )
    fallback_served = serializers.CharField(help_text="The fallback served: `original` or `local:<operation>`.")
    fallback_at = serializers.DateTimeField(allow_null=True)
    booth_disconnected_at = serializers.DateTimeField(
        allow_null=True, help_text="Set when the booth had hung up before its answer (raise the booth's timeout)."
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="finished_at - created_at, once final."))
    def get_duration_ms(self, job: Job) -> int | None:
        if job.finished_at is None:
            return None
        return round((job.finished_at - job.created_at).total_seconds() * 1000)

    @extend_schema_field(serializers.BooleanField(help_text="A result was stored (see result.expired)."))
    def get_has_result(self, job: Job) -> bool:
        return job_result(job=job) is not None


class JobDetailOutputSerializer(JobListOutputSerializer):
    started_at = serializers.DateTimeField(allow_null=True)
    deadline = serializers.DateTimeField()
    failure_message = serializers.CharField()
    attempts = serializers.IntegerField(help_text="Provider calls made.")
    model = serializers.CharField(help_text="Provider model that answered, when known.")
    usage = serializers.DictField(help_text="Provider usage metadata (tokens, ...).")
    booth_metadata = serializers.DictField(help_text="The booth's multipart text fields.")
    result = serializers.SerializerMethodField()

    @extend_schema_field(ResultOutputSerializer(allow_null=True))
    def get_result(self, job: Job) -> dict | None:
        result = job_result(job=job)
        return None if result is None else ResultOutputSerializer(result).data


class ResultLinkInputSerializer(serializers.Serializer):
    ttl_seconds = serializers.IntegerField(
        required=False,
        help_text="Link lifetime, 60 .. RESULT_LINK_TTL_SECONDS (the default); never past the result's expiry.",
    )


class ResultLinkOutputSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Absolute, token-less URL serving the image.")
    expires_at = serializers.DateTimeField()
