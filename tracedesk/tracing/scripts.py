"""Call scripts, as data: what a tracer says and asks, step by step, per kind of call.

A script has a key and a version; every interview records both, so a change to a
script (new wording, a new step) is a new version and earlier interviews still
say which one they followed. To change a script, edit it here and raise its
version; to add one for a new kind of case, add it to ``SCRIPTS`` and to
``script_for``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracedesk.tracing.models import TaskKind, TracingTask


@dataclass(frozen=True)
class Step:
    key: str  # what the step records (the interview form's section)
    title: str
    prompt: str  # what the tracer reads out or asks


@dataclass(frozen=True)
class Script:
    key: str
    version: int
    title: str
    steps: tuple[Step, ...]

    def step_keys(self) -> list[str]:
        return [step.key for step in self.steps]


IDENTITY = Step(
    "identity",
    "Confirm identity",
    "Introduce yourself and the service. Ask the person to confirm their full name and "
    "date of birth. Do not continue if they cannot: record the call as a wrong number.",
)
SYMPTOMS = Step(
    "symptoms",
    "Symptoms and onset",
    "Ask whether they have had a fever, a new continuous cough, or a loss or change of "
    "taste or smell, and on which day the first symptom started.",
)
ISOLATION = Step(
    "isolation",
    "Isolation advice",
    "Explain that they must stay at home and not have visitors until the end of their "
    "isolation, and how to get support (food, medicine, financial help).",
)
SETTINGS = Step(
    "settings",
    "Places attended",
    "Go day by day through the exposure window (from two days before the onset of "
    "symptoms, or the test if they had none): work, school, care, hospitality, worship.",
)
CONTACTS = Step(
    "contacts",
    "Contacts",
    "Start with the people they live with, then everyone they were within two metres of "
    "for 15 minutes or more, or had face-to-face contact with, during the exposure window.",
)
COMPLEX_SETTING = Step(
    "complex_setting",
    "Complex setting",
    "The case is linked to a care home, healthcare setting, school or other complex "
    "setting: ask for the setting's manager and tell them the local health protection "
    "team will call.",
)
CONTACT_ADVICE = Step(
    "isolation",
    "Advice to the contact",
    "Tell the person they have been in contact with someone who tested positive (never "
    "who), the date their isolation ends, and that they will get a daily check-in.",
)
CONTACT_SYMPTOMS = Step(
    "symptoms",
    "Symptoms",
    "Ask whether they have any symptoms now; if they do, they must book a test.",
)

SCRIPTS: dict[str, Script] = {
    script.key: script
    for script in (
        Script("case_standard", 1, "Case interview",
               (IDENTITY, SYMPTOMS, ISOLATION, SETTINGS, CONTACTS)),
        Script("case_complex", 1, "Case interview (complex case)",
               (IDENTITY, SYMPTOMS, ISOLATION, COMPLEX_SETTING, SETTINGS, CONTACTS)),
        Script("contact_standard", 1, "Contact call",
               (IDENTITY, CONTACT_SYMPTOMS, CONTACT_ADVICE)),
    )
}  # fmt: skip


def script_for(task: TracingTask) -> Script:
    """The script a tracer follows on this task."""
    if task.kind == TaskKind.REACH_CASE:
        return SCRIPTS["case_complex" if task.case and task.case.is_complex else "case_standard"]
    return SCRIPTS["contact_standard"]
