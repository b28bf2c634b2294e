"""试运行: a draft played by hand. ``DryRuns(directory).start(...)`` makes a sandbox database of its
own (``<directory>/<token>.sqlite``, kept between requests) with a fresh subject made by the process's
starter; the designer's pages then list its open tasks, show a task's form and context, complete
it as whoever the task is offered to, move the clock, and show where the instance stands.

Every call opens the sandbox, runs under its own clock (this thread only) and closes it again; the
app's database, files and clock are never touched.
"""
from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from werkzeug.datastructures import CombinedMultiDict
from wtforms import Form

from engine import clock
from engine.domain.errors import InputError
from engine.text import N_
from forms import tasks
from forms.scenarios import starters
from forms.scenarios.formfill import StepFailed, form_errors
from forms.scenarios.play import Play, Subject
from forms.scenarios.sandbox import Sandbox, open_copy
from storage import models
from storage.files import FileStore
from storage.models import HumanTask

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UnknownDryRun(Exception):
    """No dry run under that token (never made, or discarded)."""


@dataclass
class TaskView:
    """What a page needs to show one task of a dry run."""

    task: dict  # id, name, task_name, lane, form_key, process
    form: Form
    context: dict  # TASK_FORMS[form_key].context
    template: str  # the partial that shows the context
    form_template: str | None = None


@dataclass
class Outcome:
    done: bool
    form: Form | None = None  # refused: the form with its errors, to show again
    problems: list[str] = field(default_factory=list)


class DryRuns:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def start(self, process_key: str, overrides: dict[str, str | bytes] | None = None, given: str | None = None,
              workflows_dir: str | Path | None = None, documents: list[tuple[str, bytes]] | None = None) -> str:
        """A new dry run of ``process_key`` (starter ``given``, default the process key) on the drafts;
        ``documents``: the processes beside them (default: the shipped files, see Sandbox)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        sandbox = Sandbox(workflows_dir=workflows_dir, documents=documents)
        try:
            copy = sandbox.copy(overrides, path=self._path(token), store=self._store())
        finally:
            sandbox.close()
        try:
            play = Play.open(copy)
            try:
                play.subject = starters.start(play, given or process_key)
                self._save(token, play, process_key)
            finally:
                play.close()
        except Exception:
            copy.close()
            raise
        copy.engine.dispose()
        return token

    def open_tasks(self, token: str) -> list[dict]:
        with self._playing(token) as play:
            return [_task(task) for task in play.open_tasks()]

    def task_form(self, token: str, task_id: int) -> TaskView:
        with self._playing(token) as play:
            task = _open_task(play, task_id)
            spec = tasks.spec_for(task)
            form = tasks.build_form(play.session, task)
            return TaskView(_task(task), form, spec.context(play.session, task), spec.template, spec.form_template)

    def complete(self, token: str, task_id: int, formdata, files=None) -> Outcome:
        """Complete the task with the posted ``formdata`` and ``files`` (MultiDicts, as ``request.form`` and
        ``request.files``) as the sandbox's user it is offered to; a refusal comes back with the form's
        messages."""
        posted = CombinedMultiDict((files, formdata)) if files is not None else formdata
        with self._playing(token) as play:
            task = _open_task(play, task_id)
            form = tasks.build_form(play.session, task, posted)
            if not form.validate():
                return Outcome(False, form, [str(problem) for problem in form_errors(form)])
            try:
                tasks.complete(play.session, task, play.default_actor(task).id, form, play.copy.store)
            except InputError as exc:
                play.session.rollback()
                return Outcome(False, form, [str(message) for _name, message in exc.problems])
            play.session.commit()
            return Outcome(True)

    def task_page(self, token: str, task_id: int, render, formdata=None, files=None):
        """One call for a task's page: with ``formdata`` (a POST) complete the task, else (or when it is
        refused) ``render(view)`` — inside the sandbox, so the context's rows can still be read.
        Returns (True, None) when completed, else (False, whatever render returned)."""
        with self._playing(token) as play:
            task = _open_task(play, task_id)
            spec = tasks.spec_for(task)
            if formdata is None:
                form = tasks.build_form(play.session, task)
            else:
                posted = CombinedMultiDict((files, formdata)) if files is not None else formdata
                form = tasks.build_form(play.session, task, posted)
                if form.validate() and self._completed(play, task, form):
                    return True, None
            view = TaskView(_task(task), form, spec.context(play.session, task), spec.template, spec.form_template)
            return False, render(view)

    @staticmethod
    def _completed(play: Play, task: HumanTask, form: Form) -> bool:
        try:
            tasks.complete(play.session, task, play.default_actor(task).id, form, play.copy.store)
        except InputError as exc:
            play.session.rollback()
            for name, message in exc.problems:
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, message]
            return False
        play.session.commit()
        return True

    def advance(self, token: str, duration: str) -> None:
        """Move the dry run's clock (ISO 8601, e.g. P8D) and fire the timers then due."""
        with self._playing(token) as play:
            play.advance(clock.parse_duration(duration))

    def state(self, token: str) -> dict:
        with self._playing(token) as play:
            instance = play.instance()
            return {"process": instance.process_key, "status": instance.status, "stage": instance.stage,
                    "stage_label": instance.stage_label, "subject_status": play.subject_status(),
                    "now": play.moment.isoformat(), "tasks": [_task(task) for task in play.open_tasks()]}

    def discard(self, token: str) -> None:
        path = self._path(token)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        self._meta_path(token).unlink(missing_ok=True)

    # --- the sandbox between requests -------------------------------------------------------------

    def _path(self, token: str) -> Path:
        if not _TOKEN.match(token or ""):
            raise UnknownDryRun(token)
        return self.directory / f"{token}.sqlite"

    def _meta_path(self, token: str) -> Path:
        return self._path(token).with_suffix(".json")

    def _store(self) -> FileStore:
        return FileStore(self.directory / "files")

    def _save(self, token: str, play: Play, process_key: str) -> None:
        subject = play.subject
        meta = {"process": process_key, "instance_id": subject.instance_id, "submitter": subject.submitter,
                "row": [subject.row[0].__name__, subject.row[1]] if subject.row else None,
                "moment": play.moment.isoformat(),
                "users": {role: user.id for role, user in play.users.items() if role == "applicant"}}
        self._meta_path(token).write_text(json.dumps(meta), encoding="utf-8")

    @contextmanager
    def _playing(self, token: str) -> Iterator[Play]:
        path, meta_path = self._path(token), self._meta_path(token)
        if not path.exists() or not meta_path.exists():
            raise UnknownDryRun(token)
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        copy = open_copy(path, self._store())
        try:
            play = Play.open(copy, datetime.fromisoformat(meta["moment"]), meta["users"])
            try:
                row = (getattr(models, meta["row"][0]), meta["row"][1]) if meta["row"] else None
                play.subject = Subject(meta["instance_id"], row, meta["submitter"])
                play.pause()
                yield play
                self._save(token, play, meta["process"])
            finally:
                play.close()
        finally:
            copy.engine.dispose()


def _task(task: HumanTask) -> dict:
    return {"id": task.id, "name": task.title, "task_name": task.task_name, "lane": task.role,
            "form_key": task.form_key, "process": task.process_key}


def _open_task(play: Play, task_id: int) -> HumanTask:
    for task in play.open_tasks():
        if task.id == task_id:
            return task
    raise StepFailed(N_("试运行中没有待办任务 %(id)s", id=task_id))
