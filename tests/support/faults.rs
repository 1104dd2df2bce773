//! Faults a test inflicts on the machine: a small file system it fills to the last byte.

use std::path::PathBuf;
use std::process::Command;

use crate::in_ci;

/// A tmpfs of a few megabytes mounted for one test, and a file that fills what is left of it.
pub struct SmallDisk {
    pub path: PathBuf,
}

impl SmallDisk {
    /// Mounts it, or says loudly why not (never in CI, where the test must run).
    pub fn mount(megabytes: u32) -> Option<SmallDisk> {
        let path =
            std::env::temp_dir().join(format!("hailong-small-disk-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&path).expect("create the mount point");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if mounted {
            return Some(SmallDisk { path });
        }
        let _ = std::fs::remove_dir(&path);
        assert!(
            !in_ci(),
            "CI must run the full-disk test: mounting a tmpfs failed"
        );
        eprintln!(
            "\n!!!!! SKIPPING THE FULL-DISK TEST: cannot mount a tmpfs (run the tests as root) !!!!!\n"
        );
        None
    }

    fn filler(&self) -> PathBuf {
        self.path.join("filler")
    }

    /// Writes zeros until the file system refuses more.
    pub fn fill(&self) {
        use std::io::Write;
        let mut file = std::fs::File::create(self.filler()).expect("create the filler");
        let block = vec![0u8; 64 * 1024];
        loop {
            if file.write_all(&block).is_err() {
                break;
            }
        }
        // The last few bytes of room too.
        while file.write_all(&[0u8; 512]).is_ok() {}
        let _ = file.sync_all();
    }

    pub fn free(&self) {
        std::fs::remove_file(self.filler()).expect("remove the filler");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
