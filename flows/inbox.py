"""The inbox flow: every new or changed scan folder of an inbox through the batch flow. Served
as a deployment (`cableocr serve`), it processes what archivists drop into the inbox."""

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType

from cableocr.errors import BatchNotFound
from flows.batch import batch_flow


def waiting_batches(inbox: Path, out_root: Path) -> list[Path]:
    """Folders of the inbox with no finished output, or with a file newer than their manifest."""
    if not inbox.is_dir():
        raise BatchNotFound(f"inbox {inbox} does not exist or is not a folder")
    waiting = []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = out_root / folder.name / "manifest.json"
        newest = max((f.stat().st_mtime for f in folder.iterdir() if f.is_file()), default=0.0)
        if not manifest.is_file() or newest > manifest.stat().st_mtime:
            waiting.append(folder)
    return waiting


@flow(name="cableocr-inbox", log_prints=False)
def inbox_flow(inbox: Path, out_root: Path, translations: Path | None = None) -> list[str]:
    """Run the batch flow on each waiting folder of the inbox, into out_root/<folder name>."""
    logger = get_run_logger()
    done = []
    for folder in waiting_batches(inbox, out_root):
        logger.info("batch %s -> %s", folder, out_root / folder.name)
        batch_flow(batch=folder, out=out_root / folder.name, translations=translations)
        done.append(folder.name)
    return done


async def drop_scheduled_runs(deployment: str) -> int:
    """Delete the runs of the deployment that were scheduled and never started: a serve stopped
    and started again (with another inbox, say) must not first work through a backlog of runs
    scheduled by the one before, with its parameters. Returns how many were dropped."""
    only_scheduled = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])))
    named = DeploymentFilter(name=DeploymentFilterName(any_=[deployment]))
    dropped = 0
    async with get_client() as client:
        while runs := await client.read_flow_runs(flow_run_filter=only_scheduled, deployment_filter=named, limit=200):
            for run in runs:
                await client.delete_flow_run(run.id)
            dropped += len(runs)
    return dropped
