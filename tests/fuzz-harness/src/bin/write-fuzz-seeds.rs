//! Writes the hand-written seeds ([`supertokens_fuzz_harness::seeds`]) to
//! `tests/fuzz/corpus/<target>/seed-<name>`, replacing older seed files (files the fuzzer
//! added are left alone).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use supertokens_fuzz_harness::seeds::{self, Seed};
use supertokens_fuzz_harness::world::{World, WorldKind};

fn main() -> ExitCode {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let world = World::build(WorldKind::Fdi);
    let Some(sdk) = world.sdk() else {
        eprintln!("the FDI world has no SDK");
        return ExitCode::FAILURE;
    };
    let targets: [(&str, Vec<Seed>); 5] = [
        ("cdi_request", seeds::cdi()),
        ("fdi_request", seeds::fdi(sdk)),
        ("access_token", seeds::access_token()),
        ("cookies", seeds::cookies()),
        ("config", seeds::config()),
    ];
    for (target, seeds) in targets {
        let dir: PathBuf = corpus.join(target);
        if let Err(error) = write(&dir, &seeds) {
            eprintln!("{}: {error}", dir.display());
            return ExitCode::FAILURE;
        }
        println!("{target}: {} seeds in {}", seeds.len(), dir.display());
    }
    ExitCode::SUCCESS
}

fn write(dir: &Path, seeds: &[Seed]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_seed = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("seed-"));
        if is_seed {
            std::fs::remove_file(&path)?;
        }
    }
    for seed in seeds {
        std::fs::write(dir.join(format!("seed-{}", seed.name)), &seed.data)?;
    }
    Ok(())
}
