"""All tables. Import models from here."""
from storage.models.accounts import (  # noqa: F401
    ApiToken,
    Message,
    Organization,
    PersonRoles,
    RegistrationSubmission,
    SmsCode,
    SpentNonce,
    Throttle,
    User,
)
from storage.models.articles import Article  # noqa: F401
from storage.models.compliance import (  # noqa: F401
    Application,
    ApplicationReport,
    ApplicationSubmission,
    Certificate,
    Evaluation,
    Measurement,
)
from storage.models.declarations import Declaration, DeclarationIndicator  # noqa: F401
from storage.models.dictionaries import DictionaryChange, DictionaryEntry  # noqa: F401
from storage.models.directory import OrgChart, OrgChartNode, ServiceProfile, ServiceProfileField  # noqa: F401
from storage.models.files import StoredFile, SubmissionFile  # noqa: F401
from storage.models.forms import FormDefinition, FormDraft, FormSubmission, FormSubmissionFile  # noqa: F401
from storage.models.idempotency import IdempotencyKey  # noqa: F401
from storage.models.notifications import DigestSent, NotificationPreference  # noqa: F401
from storage.models.outbox import OutboxItem  # noqa: F401
from storage.models.password_reset import PasswordResetToken  # noqa: F401
from storage.models.pilots import (  # noqa: F401
    Enrollment,
    EnrollmentFile,
    EnrollmentSubmission,
    Pilot,
    PilotFile,
)
from storage.models.plans import (  # noqa: F401
    Indicator,
    Plan,
    PlanCoDrafter,
    PlanComment,
    PlanDocument,
    PlanSubmission,
)
from storage.models.profiles import (  # noqa: F401
    EnterpriseProfile,
    InstitutionProfile,
    InstitutionProfileFile,
)
from storage.models.search import PlanSearchEntry  # noqa: F401
from storage.models.teams import TeamAudit, TeamInvitation  # noqa: F401
from storage.models.workflow import (  # noqa: F401
    DesignAudit,
    HumanTask,
    OperatorAction,
    ProcessDefinition,
    ProcessDraft,
    ProcessEvent,
    ProcessInstance,
)
