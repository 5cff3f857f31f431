"""Every write of the parties app goes through these functions, one module per concept.

Each checks permission, validates, writes and appends one event per record, in one
transaction. Interfaces (pages, API, import, sync) call them and nothing else:
`from clientela.parties import actions` and `actions.contact_update(...)`.

- `records`: organizations and contacts (create, update, trash, restore, tags, owner);
- `customfields`: custom field definitions;
- `merging`: merging duplicates;
- `relationships`: links between parties;
- `savedviews`: a user's saved list views;
- `importing`: import jobs and the batches an import writes;
- `import_leases`: a running import job's lease, and handing on a job whose worker stopped;
- `import_reading`: reading an uploaded file for its mapping page, in the worker;
- `bounces`: an e-mail address that bounced (a delivery status notification said so).
"""

from clientela.parties.actions.bounces import contact_point_bounced
from clientela.parties.actions.customfields import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
)
from clientela.parties.actions.import_leases import (
    CommittedBatch,
    ImportLeaseLost,
    ImportWorkerStopped,
    import_job_abandon,
    import_job_commit_all,
    import_job_commit_batch,
    import_job_heartbeat,
    import_job_resume,
    import_task_abandon,
)
from clientela.parties.actions.import_reading import (
    import_job_queue_read,
    import_job_read_done,
    import_job_read_failed,
)
from clientela.parties.actions.importing import (
    ImportFilesPurged,
    ImportProgress,
    contacts_import_batch,
    import_files_purge,
    import_job_configure,
    import_job_create,
    import_job_fail,
    import_job_finish,
    import_job_progress,
    import_job_queue,
    import_job_record_task,
    import_job_start,
    organizations_import_batch,
    records_import_prepare,
    records_import_write,
)
from clientela.parties.actions.merging import (
    contact_merge,
    organization_merge,
)
from clientela.parties.actions.records import (
    contact_create,
    contact_create_checked,
    contact_restore,
    contact_trash,
    contact_update,
    organization_create,
    organization_create_checked,
    organization_restore,
    organization_trash,
    organization_update,
    record_add_tags,
    record_assign,
)
from clientela.parties.actions.relationships import (
    relationship_create,
    relationship_delete,
)
from clientela.parties.actions.savedviews import (
    MAX_SAVED_VIEWS,
    saved_view_delete,
    saved_view_save,
)
from clientela.parties.rules import Collections

__all__ = [
    "Collections",
    "organization_create",
    "organization_update",
    "organization_trash",
    "organization_restore",
    "contact_create",
    "contact_update",
    "contact_trash",
    "contact_restore",
    "record_add_tags",
    "record_assign",
    "contact_create_checked",
    "organization_create_checked",
    "custom_field_create",
    "custom_field_update",
    "custom_field_delete",
    "contact_merge",
    "organization_merge",
    "relationship_create",
    "relationship_delete",
    "saved_view_save",
    "saved_view_delete",
    "MAX_SAVED_VIEWS",
    "import_job_create",
    "import_job_configure",
    "ImportFilesPurged",
    "import_files_purge",
    "contacts_import_batch",
    "organizations_import_batch",
    "records_import_prepare",
    "records_import_write",
    "import_job_queue",
    "import_job_record_task",
    "import_job_start",
    "ImportProgress",
    "import_job_progress",
    "import_job_finish",
    "import_job_fail",
    "import_job_queue_read",
    "import_job_read_done",
    "import_job_read_failed",
    "CommittedBatch",
    "ImportLeaseLost",
    "ImportWorkerStopped",
    "import_job_heartbeat",
    "import_job_commit_batch",
    "import_job_commit_all",
    "import_job_resume",
    "import_job_abandon",
    "import_task_abandon",
    "contact_point_bounced",
]
