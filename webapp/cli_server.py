"""`duibiao serve` (gunicorn, the production server), `duibiao outbox` (the mail sender, a process of its
own) and `duibiao doctor` (is the installation sound?)."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from webapp import config, doctor, metrics, outbox_worker

MAX_DEFAULT_WORKERS = 8  # each worker holds its own database connections; more rarely helps one host
MAX_REQUESTS = 20_000  # per worker, then it is replaced (plus up to 10 % jitter, so they do not all go at once)
TIMEOUT_SECONDS = 60  # a worker silent this long (a stuck request) is killed and replaced
GRACEFUL_SECONDS = 30  # on HUP / TERM, the time requests under way get to finish


def default_workers() -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped."""
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def gunicorn_argv(host: str, port: int, workers: int, timeout: int, access_log: bool = True) -> list[str]:
    """The gunicorn command line: the app from the factory in each worker (not in the master, so a HUP
    starts workers on the code as installed now), access log on stdout (unless the app logs each
    request itself, as JSON), errors on stderr.
    GUNICORN_CMD_ARGS may add any other gunicorn setting (e.g. --certfile)."""
    bind_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    argv = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{bind_host}:{port}",
        "--workers", str(workers),
        "--timeout", str(timeout),
        "--graceful-timeout", str(GRACEFUL_SECONDS),
        "--keep-alive", "5",
        # Recycle workers now and then (a leak cannot grow for ever), but rarely: a worker's start costs
        # 1-2 s of CPU, which every 2,000 requests was ≈ 1 ms per request and stalled its clients.
        "--max-requests", str(MAX_REQUESTS), "--max-requests-jitter", str(MAX_REQUESTS // 10),
        "--error-logfile", "-",
        "--config", "python:webapp.gunicorn_hooks",  # post_worker_init: gc.freeze() once the app is built
        "--name", "duibiao",
        "webapp:create_app()",
    ]
    if access_log:
        argv[-1:-1] = ["--access-logfile", "-"]
    return argv


@click.command("serve", help="生产环境服务器（gunicorn，多进程）；配置同其他命令（DUIBIAO_*）")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（反向代理之后保持 127.0.0.1）")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help=f"工作进程数（默认 2 × CPU 核数 + 1，最多 {MAX_DEFAULT_WORKERS}）")
@click.option("--timeout", default=TIMEOUT_SECONDS, show_default=True, type=click.IntRange(5, 3600),
              help="单个请求的超时（秒）")
def serve_command(host, port, workers, timeout):
    workers = workers or default_workers()
    settings = config.from_environment()
    if settings["METRICS_ENABLED"]:  # the workers' counters meet in shared files (docs/operations.md)
        metrics.prepare_multiprocess_dir(settings["DATA_DIR"], port)
    argv = gunicorn_argv(host, port, workers, timeout, access_log=settings["LOG_FORMAT"] != "json")
    click.echo(_("启动 gunicorn：http://%(host)s:%(port)s，%(workers)s 个工作进程（kill -HUP 平滑重启，"
                 "kill -TERM 停止）", host=host, port=port, workers=workers), err=True)
    sys.stderr.flush()
    # gunicorn replaces this process, so the service manager's signals reach its master directly.
    os.execv(argv[0], argv)  # noqa: S606 — a fixed argument list, no shell


@click.command("outbox", help="独立运行发件箱（发送邮件和短信）；Web 进程设 DUIBIAO_OUTBOX_WORKER=0 时使用")
@click.option("--poll", default=outbox_worker.POLL_SECONDS, show_default=True, type=click.FloatRange(0.1, 60),
              help="没有待发邮件时的查询间隔（秒）")
@with_appcontext
def outbox_command(poll):
    click.echo(_("发件箱已启动：每 %(seconds)s 秒查询一次待发邮件和短信（Ctrl+C 退出）", seconds=poll), err=True)
    try:
        outbox_worker.run_process(current_app._get_current_object(), poll)
    except KeyboardInterrupt:
        click.echo(_("发件箱已停止"), err=True)


@click.command("doctor", help="检查安装：证书字体、数据库、数据目录、定时任务（有问题时退出码非零）")
@with_appcontext
def doctor_command():
    checks = doctor.run_checks(current_app._get_current_object())
    for check in checks:
        click.echo(check.line())
    problems = [check for check in checks if check.status == "problem"]
    if problems:
        click.echo(_("发现 %(count)s 个问题", count=len(problems)), err=True)
        sys.exit(1)
    click.echo(_("一切正常"))
