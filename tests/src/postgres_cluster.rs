//! A private, throw-away PostgreSQL cluster (`initdb` + `pg_ctl` on a free port), for tests
//! that stop and start the database server itself without disturbing the shared one.
//!
//! PostgreSQL refuses to run as root: when the tests run as root, the cluster directory is
//! handed to the `postgres` user and the server binaries run through `runuser -u postgres`.
//! The binaries are found under `/usr/lib/postgresql/<version>/bin` (the newest), or in
//! `ST_TEST_PG_BIN_DIR`. Dropping the handle stops the server and deletes the directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, bail};

use crate::process::free_port;

/// Owner of the cluster when the tests run as root.
const SERVICE_USER: &str = "postgres";

/// A private PostgreSQL server; stopped (immediately) and deleted on drop.
#[derive(Debug)]
pub struct PostgresCluster {
    bin_dir: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_service_user: bool,
    running: bool,
}

impl Drop for PostgresCluster {
    fn drop(&mut self) {
        if self.running {
            let _ = self.stop_immediately();
        }
        if std::thread::panicking() {
            eprintln!(
                "---- private PostgreSQL log ----\n{}\n---- end ----",
                std::fs::read_to_string(self.log_path()).unwrap_or_default()
            );
        }
    }
}

impl PostgresCluster {
    /// Creates the cluster (`initdb`, trust authentication for `postgres` on 127.0.0.1 only)
    /// and starts it. Blocks until the server accepts connections.
    pub fn start() -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir()?;
        let as_service_user = running_as_root()?;
        let dir = tempfile::tempdir().context("creating the cluster directory")?;
        if as_service_user {
            let status = Command::new("chown")
                .arg(format!("{SERVICE_USER}:{SERVICE_USER}"))
                .arg(dir.path())
                .status()
                .context("running chown")?;
            if !status.success() {
                bail!(
                    "running as root, but cannot give {} to the `{SERVICE_USER}` user, which \
                     PostgreSQL needs (it refuses to run as root); create that user or run \
                     the tests as a non-root user",
                    dir.path().display()
                );
            }
        }
        let mut cluster = Self {
            bin_dir,
            dir,
            port: free_port()?,
            as_service_user,
            running: false,
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let settings = format!(
            "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nmax_connections = 100\n",
            cluster.port,
            cluster.dir.path().display()
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).context("reading postgresql.conf")?;
        text.push_str(&settings);
        std::fs::write(&conf, text).context("writing postgresql.conf")?;
        cluster.start_again()?;
        Ok(cluster)
    }

    /// URL of the cluster's `postgres` database as the `postgres` superuser.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server with `pg_ctl stop -m immediate`: every connection is cut at once,
    /// as when the database host dies; the next start recovers from the WAL.
    pub fn stop_immediately(&mut self) -> anyhow::Result<()> {
        let data = self.data_dir().display().to_string();
        self.run("pg_ctl", &["stop", "-D", &data, "-m", "immediate", "-w"])?;
        self.running = false;
        Ok(())
    }

    /// Starts the (stopped) server on the same port and waits until it accepts connections.
    pub fn start_again(&mut self) -> anyhow::Result<()> {
        let data = self.data_dir().display().to_string();
        let log = self.log_path().display().to_string();
        self.run(
            "pg_ctl",
            &["start", "-D", &data, "-l", &log, "-w", "-t", "60"],
        )
        .with_context(|| {
            format!(
                "starting the private PostgreSQL; its log:\n{}",
                std::fs::read_to_string(self.log_path()).unwrap_or_default()
            )
        })?;
        self.running = true;
        Ok(())
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<Output> {
        let binary = self.bin_dir.join(program);
        let mut command = if self.as_service_user {
            let mut command = Command::new("runuser");
            command.args(["-u", SERVICE_USER, "--"]).arg(&binary);
            command
        } else {
            Command::new(&binary)
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .with_context(|| {
                format!(
                    "running {}{}",
                    if self.as_service_user {
                        "runuser -u postgres -- "
                    } else {
                        ""
                    },
                    binary.display()
                )
            })?;
        if !output.status.success() {
            bail!(
                "{program} {} failed ({}):\n{}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(output)
    }
}

fn running_as_root() -> anyhow::Result<bool> {
    let output = Command::new("id")
        .arg("-u")
        .output()
        .context("running `id -u`")?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// `ST_TEST_PG_BIN_DIR`, else the newest `/usr/lib/postgresql/<version>/bin` with `initdb`.
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Ok(dir) = std::env::var("ST_TEST_PG_BIN_DIR") {
        let dir = PathBuf::from(dir);
        if dir.join("initdb").is_file() {
            return Ok(dir);
        }
        bail!("ST_TEST_PG_BIN_DIR={} holds no initdb", dir.display());
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "no PostgreSQL server binaries (initdb, pg_ctl) under {}; install the \
             postgresql package or set ST_TEST_PG_BIN_DIR",
            root.display()
        ),
    }
}
