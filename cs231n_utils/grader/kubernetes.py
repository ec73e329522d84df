"""The ``kubernetes`` backend: an Indexed Job over the class, for the instructor to apply.

:func:`build_manifest` writes, with the official ``kubernetes`` client's models (so the structure
is the API's), two objects:

* a NetworkPolicy that gives the grading pods no ingress and no egress (network off);
* an Indexed Job (``completionMode: Indexed``): pod ``i`` runs the ``i``-th job spec of the class
  (``python -m cs231n_utils.grader.job --list LIST``, which reads ``$JOB_COMPLETION_INDEX``), at
  most ``parallelism`` at once, each index retried once (``backoffLimitPerIndex: 1``), with the
  sandbox's memory (plus the grader's own) and one CPU as requests and limits, no service-account
  token, and the course folder mounted from a PersistentVolumeClaim at the same path as here, so
  the specs' paths hold in the pod.

The pods run as an ordinary uid with the runtime's default seccomp profile and every capability
dropped: there the sandbox's probe finds Landlock and seccomp (bubblewrap's user namespaces are
forbidden), and each result says which mode ran. The container recipe is
``deploy/kubernetes/Dockerfile`` (the kit with its grader extra, bubblewrap, libseccomp). This project
cannot start a cluster, so the manifest is tested offline; after ``kubectl apply -f`` and the
Job's completion, ``cs231n-kit grade <assignment>`` finds every result and records them (and
grades locally whatever the cluster could not).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .job import JOB_ENV
from .local import job_timeout
from .sandbox import Limits
from .slurm import GRADER_MEMORY_MB

#: The grader's uid in the image (deploy/kubernetes/Dockerfile's ``useradd --uid``).
GRADER_UID = 10001
#: The label that ties the pods to their NetworkPolicy.
APP_LABEL = "cs231n-kit-grader"


def _client() -> Any:
    try:
        from kubernetes import client
    except ImportError:  # pragma: no cover - the extra is part of the dev install
        raise SystemExit("error: the kubernetes backend needs the official client: "
                         "pip install 'linear-classifiers-kit[kubernetes]'") from None
    return client


def build_manifest(course_root: Path, assignment: str, listing: Path, count: int, limits: Limits,
                   image: str, claim: str, parallelism: int = 10, namespace: str | None = None) -> list[Any]:
    """The NetworkPolicy and the Indexed Job (client model objects) that grade ``count`` jobs."""
    client = _client()
    name = f"kit-grade-{assignment}".lower().replace("_", "-")[:52]
    labels = {"app": APP_LABEL, "assignment": assignment.lower().replace("_", "-")[:63]}
    memory = f"{limits.memory_mb + GRADER_MEMORY_MB}Mi"
    resources = client.V1ResourceRequirements(requests={"cpu": "1", "memory": memory},
                                              limits={"cpu": "1", "memory": memory})
    container = client.V1Container(
        name="grade", image=image,
        command=["python", "-m", "cs231n_utils.grader.job", "--list", str(listing)],
        env=[client.V1EnvVar(name=k, value=v) for k, v in JOB_ENV.items()],
        resources=resources,
        volume_mounts=[client.V1VolumeMount(name="course", mount_path=str(course_root))],
        security_context=client.V1SecurityContext(allow_privilege_escalation=False,
                                                  capabilities=client.V1Capabilities(drop=["ALL"])))
    volume = client.V1PersistentVolumeClaimVolumeSource(claim_name=claim)
    # What a default cluster allows: an ordinary uid, the runtime's default seccomp profile (which
    # forbids user namespaces, so bubblewrap cannot start: the sandbox probes and uses Landlock and
    # seccomp, which need no privileges), no capability, no privilege escalation (no_new_privs).
    # bubblewrap would additionally need a seccomp profile allowing user namespaces (type
    # Unconfined, or a Localhost profile that allows clone/unshare with CLONE_NEWUSER) on nodes
    # whose kernel allows them; a job graded with less than the batch asked for is flagged.
    pod_security = client.V1PodSecurityContext(
        run_as_non_root=True, run_as_user=GRADER_UID, run_as_group=GRADER_UID,
        seccomp_profile=client.V1SeccompProfile(type="RuntimeDefault"))
    pod = client.V1PodSpec(
        security_context=pod_security,
        restart_policy="Never", automount_service_account_token=False, enable_service_links=False,
        active_deadline_seconds=int(job_timeout(limits)), containers=[container],
        volumes=[client.V1Volume(name="course", persistent_volume_claim=volume)])
    job = client.V1Job(
        api_version="batch/v1", kind="Job",
        metadata=client.V1ObjectMeta(name=name, namespace=namespace, labels=labels),
        spec=client.V1JobSpec(
            completion_mode="Indexed", completions=count, parallelism=max(1, min(parallelism, count)),
            backoff_limit_per_index=1, max_failed_indexes=count, ttl_seconds_after_finished=7 * 24 * 3600,
            template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels), spec=pod)))
    policy = client.V1NetworkPolicy(
        api_version="networking.k8s.io/v1", kind="NetworkPolicy",
        metadata=client.V1ObjectMeta(name=f"{name}-no-network", namespace=namespace, labels=labels),
        spec=client.V1NetworkPolicySpec(pod_selector=client.V1LabelSelector(match_labels=labels),
                                        policy_types=["Ingress", "Egress"], ingress=[], egress=[]))
    return [policy, job]


def to_yaml(objects: Sequence[Any]) -> str:
    """The objects as a multi-document YAML file for ``kubectl apply -f``."""
    import yaml

    api = _client().ApiClient()
    return "---\n".join(yaml.safe_dump(api.sanitize_for_serialization(o), sort_keys=False) for o in objects)


class KubernetesBackend:
    """Writes the manifest for the planned jobs; applying it is the instructor's (``kubectl``).

    Parameters
    ----------
    image : str
        The grading image, built from ``deploy/kubernetes/Dockerfile``.
    claim : str
        The PersistentVolumeClaim that holds the course folder.
    parallelism : int
        Pods at once.
    namespace : str, optional
        The namespace of both objects.
    """

    name = "kubernetes"

    def __init__(self, image: str, claim: str, parallelism: int = 10, namespace: str | None = None):
        self.image, self.claim, self.parallelism, self.namespace = image, claim, parallelism, namespace
        self.manifest: Path | None = None

    def write(self, course_root: Path, assignment: str, specs: Sequence[Path], limits: Limits) -> Path:
        """Write the list of specs and the manifest under ``grading/<assignment>/kubernetes/``."""
        folder = Path(specs[0]).parent.parent / "kubernetes"
        folder.mkdir(parents=True, exist_ok=True)
        listing = folder / "jobs.list"
        listing.write_text("".join(f"{s}\n" for s in specs))
        objects = build_manifest(Path(course_root), assignment, listing, len(specs), limits, self.image,
                                 self.claim, self.parallelism, self.namespace)
        self.manifest = folder / "job.yaml"
        self.manifest.write_text(to_yaml(objects))
        return self.manifest
