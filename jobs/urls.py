"""Admin API routes of this app (mounted under /api/)."""

from __future__ import annotations

from django.urls import path

from jobs.apis import JobCancelApi, JobDetailApi, JobListApi, JobResultApi, JobShareLinkApi

# A malformed job id matches nothing here and falls through to the JSON 404 of /api/<path>.
urlpatterns = [
    path("jobs/", JobListApi.as_view(), name="job-list"),
    path("jobs/<uuid:job_id>/", JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<uuid:job_id>/cancel", JobCancelApi.as_view(), name="job-cancel"),
    path("jobs/<uuid:job_id>/result", JobResultApi.as_view(), name="job-result"),
    path("jobs/<uuid:job_id>/share-link", JobShareLinkApi.as_view(), name="job-share-link"),
]
