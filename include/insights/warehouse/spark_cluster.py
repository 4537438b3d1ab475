"""A local Spark standalone cluster (master, one worker, Thrift server) from the pyspark wheel.

The wheel ships `bin/spark-class` and `bin/spark-submit` and every jar the Thrift server needs
(spark-hive-thriftserver), so no Spark download and no Docker are needed: only a JRE. dbt-spark
reaches the cluster through the Thrift server (method `thrift`), exactly as it would reach a
production Thrift server. Every port comes from one block of ten (`base_port` .. +9) so several
clusters can share a machine. Each daemon runs in its own process group and is stopped by it.
"""

from __future__ import annotations

import os
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pyspark

from insights.process_groups import NotReady, start_group, stop_group, wait_until_ready


class SparkClusterError(RuntimeError):
    """A daemon died or did not open its port in time; the message ends with its log."""


def spark_home() -> Path:
    """The pyspark package directory is a complete SPARK_HOME (bin/, jars/)."""
    return Path(pyspark.__file__).parent


class SparkPorts(NamedTuple):
    """The cluster's ports: consecutive numbers from its block's base, in this order."""

    master: int
    master_ui: int
    worker: int
    worker_ui: int
    thrift: int
    thrift_ui: int
    driver: int
    block_manager: int  # the driver takes this one, the executor the next (spark.port.maxRetries)

    @classmethod
    def from_base(cls, base: int) -> SparkPorts:
        return cls(*range(base, base + len(cls._fields)))


@dataclass
class SparkCluster:
    """Start with `start()`, stop with `stop()` (or use as a context manager)."""

    work_dir: Path
    base_port: int
    host: str = "127.0.0.1"
    worker_cores: int = 2
    worker_memory: str = "1g"
    executor_memory: str = "768m"
    thrift_memory: str = "768m"
    daemon_memory: str = "256m"
    start_timeout_s: float = 180.0
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def ports(self) -> SparkPorts:
        return SparkPorts.from_base(self.base_port)

    @property
    def master_url(self) -> str:
        return f"spark://{self.host}:{self.ports.master}"

    @property
    def warehouse_dir(self) -> Path:
        return self.work_dir / "warehouse"

    def _env(self, daemon_memory: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SPARK_HOME=str(spark_home()),
            SPARK_LOCAL_IP=self.host,
            SPARK_LOG_DIR=str(self.work_dir / "logs"),
            SPARK_WORKER_DIR=str(self.work_dir / "work"),
            SPARK_LOCAL_DIRS=str(self.work_dir / "tmp"),
            # Heap of the master and worker daemons (spark-class reads it for both).
            SPARK_DAEMON_MEMORY=daemon_memory,
        )
        # A stray SPARK_CONF_DIR or PYSPARK_* from the caller would change the cluster.
        env.pop("SPARK_CONF_DIR", None)
        return env

    def _launch(self, name: str, args: list[str], daemon_memory: str) -> None:
        self.processes[name] = start_group(
            args,
            self.work_dir / "logs" / f"{name}.log",
            cwd=self.work_dir,  # Derby's metastore_db and derby.log land here
            env=self._env(daemon_memory),
        )

    def _wait_for_port(self, name: str, port: int) -> None:
        def port_open() -> bool:
            with socket.socket() as sock:
                sock.settimeout(0.5)
                return sock.connect_ex((self.host, port)) == 0

        try:
            wait_until_ready(self.processes[name], port_open, self.start_timeout_s)
        except NotReady as exc:
            raise SparkClusterError(f"spark {name} (port {port}) {exc}:\n{self.log_tail(name)}") from exc

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.work_dir / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def start(self) -> SparkCluster:
        for sub in ("logs", "work", "tmp", "warehouse"):
            (self.work_dir / sub).mkdir(parents=True, exist_ok=True)
        bin_dir = spark_home() / "bin"
        ports = self.ports
        try:
            self._launch(
                "master",
                [str(bin_dir / "spark-class"), "org.apache.spark.deploy.master.Master",
                 "--host", self.host, "--port", str(ports.master), "--webui-port", str(ports.master_ui)],
                self.daemon_memory,
            )
            self._wait_for_port("master", ports.master)
            self._launch(
                "worker",
                [str(bin_dir / "spark-class"), "org.apache.spark.deploy.worker.Worker",
                 "--host", self.host, "--port", str(ports.worker), "--webui-port", str(ports.worker_ui),
                 "--cores", str(self.worker_cores), "--memory", self.worker_memory, self.master_url],
                self.daemon_memory,
            )
            # spark-submit sizes the Thrift server's driver from SPARK_DAEMON_MEMORY, not --driver-memory.
            self._launch("thrift", self._thrift_args(), self.thrift_memory)
            self._wait_for_port("thrift", ports.thrift)
        except BaseException:
            self.stop()
            raise
        return self

    def _thrift_args(self) -> list[str]:
        ports = self.ports
        conf = {
            "spark.ui.port": ports.thrift_ui,
            "spark.driver.host": self.host,
            "spark.driver.port": ports.driver,
            "spark.blockManager.port": ports.block_manager,
            "spark.port.maxRetries": 2,
            "spark.executor.memory": self.executor_memory,
            "spark.cores.max": self.worker_cores,
            "spark.sql.warehouse.dir": self.warehouse_dir,
            # A small fixture on two cores: the default 200 shuffle partitions would be 200 tasks.
            "spark.sql.shuffle.partitions": 2,
            "spark.sql.adaptive.enabled": "true",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.session.timeZone": "UTC",
            # insert_overwrite replaces only the partitions the run writes, as on a real lakehouse.
            "spark.sql.sources.partitionOverwriteMode": "dynamic",
            "spark.hadoop.javax.jdo.option.ConnectionURL":
                f"jdbc:derby:;databaseName={self.work_dir / 'metastore_db'};create=true",
        }
        args = [str(spark_home() / "bin" / "spark-submit"),
                "--class", "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
                "--name", "insights-thrift", "--master", self.master_url]
        for key, value in conf.items():
            args += ["--conf", f"{key}={value}"]
        return [*args, "spark-internal",
                "--hiveconf", f"hive.server2.thrift.port={ports.thrift}",
                "--hiveconf", f"hive.server2.thrift.bind.host={self.host}"]

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM each process group (Thrift first), then SIGKILL what is left."""
        for name in ("thrift", "worker", "master"):
            proc = self.processes.get(name)
            if proc is not None:
                stop_group(proc, grace_seconds=timeout_s)
        self.processes.clear()

    def __enter__(self) -> SparkCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
