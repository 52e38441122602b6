//! Swap space the app cannot protect: when memory runs short the system writes pages of any
//! process to its swap areas, and a swap area on a disk keeps them after they are freed (the
//! kernel does not clear a slot it gives back). Records shown and the passphrase as typed were
//! found in a swap file after lock and quit (docs/security-testing.md, "swap"). Saksi cannot keep
//! WebKit's memory out of swap (locking it in memory needs privileges a user does not have), so
//! it finds the swap areas that are on a disk without encryption and the window says so.
//!
//! A swap area is safe here when it is in memory (zram) or its block device is, or sits on,
//! a dm-crypt device (LUKS, or a swap encrypted with a fresh key at each boot). Anything that
//! cannot be checked counts as unencrypted: a needless warning is better than a silent leak.

use std::path::Path;

/// The active swap areas of this computer that are on a disk without encryption (their names as
/// `/proc/swaps` gives them); empty when there is no swap or all of it is encrypted or in memory.
pub fn unencrypted_areas() -> Vec<String> {
    #[cfg(target_os = "linux")]
    {
        let Ok(swaps) = std::fs::read_to_string("/proc/swaps") else {
            return Vec::new();
        };
        unencrypted_in(&swaps, Path::new("/sys"), device_of)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Vec::new()
    }
}

/// The block device (major, minor) holding a swap area: the device itself for a partition, the
/// file system's device for a file.
#[cfg(target_os = "linux")]
fn device_of(name: &str, kind: &str) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(name).ok()?;
    let dev = if kind == "partition" {
        meta.rdev()
    } else {
        meta.dev()
    };
    Some((libc::major(dev) as u64, libc::minor(dev) as u64))
}

/// [`unencrypted_areas`] over a `/proc/swaps` text and a sysfs root.
pub(crate) fn unencrypted_in(
    proc_swaps: &str,
    sys: &Path,
    device_of: impl Fn(&str, &str) -> Option<(u64, u64)>,
) -> Vec<String> {
    let mut out = Vec::new();
    for line in proc_swaps.lines().skip(1) {
        let mut fields = line.split_whitespace();
        let (Some(name), Some(kind)) = (fields.next(), fields.next()) else {
            continue;
        };
        // `/proc/swaps` escapes spaces in names as \040.
        let name = name.replace("\\040", " ");
        if name.starts_with("/dev/zram") {
            continue;
        }
        let safe = device_of(&name, kind).is_some_and(|(major, minor)| {
            encrypted(sys, &sys.join(format!("dev/block/{major}:{minor}")), 0)
        });
        if !safe {
            out.push(name);
        }
    }
    out
}

/// Whether the block device at `dev` (a sysfs folder) is, or is built on, a dm-crypt device or
/// a zram device. Follows `slaves/` (LVM on LUKS, RAID on LUKS) a few levels deep.
fn encrypted(sys: &Path, dev: &Path, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    let uuid = std::fs::read_to_string(dev.join("dm/uuid")).unwrap_or_default();
    if uuid.starts_with("CRYPT-") {
        return true;
    }
    let name = std::fs::read_to_string(dev.join("uevent"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("DEVNAME=").map(str::to_string))
        .unwrap_or_default();
    if name.starts_with("zram") {
        return true;
    }
    let Ok(slaves) = std::fs::read_dir(dev.join("slaves")) else {
        return false;
    };
    let slaves: Vec<_> = slaves.flatten().collect();
    // Every device underneath must be encrypted (a volume spread over an encrypted and a plain
    // disk is not).
    !slaves.is_empty()
        && slaves
            .iter()
            .all(|s| encrypted(sys, &sys.join("class/block").join(s.file_name()), depth + 1))
}

#[cfg(test)]
mod tests {
    use super::unencrypted_in;
    use std::path::Path;

    const HEADER: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

    /// A fake sysfs: `dev/block/M:m` and `class/block/NAME` for each device, with its dm uuid
    /// and its slaves.
    fn device(sys: &Path, name: &str, majmin: &str, uuid: Option<&str>, slaves: &[&str]) {
        let dir = sys.join("class/block").join(name);
        std::fs::create_dir_all(dir.join("slaves")).unwrap();
        std::fs::write(dir.join("uevent"), format!("MAJOR=0\nDEVNAME={name}\n")).unwrap();
        if let Some(u) = uuid {
            std::fs::create_dir_all(dir.join("dm")).unwrap();
            std::fs::write(dir.join("dm/uuid"), u).unwrap();
        }
        for s in slaves {
            std::fs::write(dir.join("slaves").join(s), "").unwrap();
        }
        std::fs::create_dir_all(sys.join("dev/block")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&dir, sys.join("dev/block").join(majmin)).unwrap();
    }

    #[test]
    fn swap_on_a_plain_disk_is_reported_and_encrypted_or_memory_swap_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let sys = tmp.path();
        device(sys, "vda1", "254:1", None, &[]);
        device(
            sys,
            "dm-0",
            "253:0",
            Some("CRYPT-LUKS2-abc-luks"),
            &["vda2"],
        );
        device(sys, "dm-1", "253:1", Some("LVM-xyz"), &["dm-0"]);
        device(sys, "dm-2", "253:2", Some("LVM-plain"), &["vda1"]);
        device(sys, "zram0", "252:0", None, &[]);
        let swaps = format!(
            "{HEADER}/swapfile file 524284 0 -2\n/dev/dm-1 partition 100 0 -3\n\
             /dev/dm-2 partition 100 0 -4\n/dev/zram0 partition 100 0 100\n\
             /home/x/swap\\040file file 10 0 -5\n/gone file 10 0 -6\n"
        );
        let dev = |name: &str, _kind: &str| match name {
            "/swapfile" => Some((254, 1)),         // on the plain partition
            "/dev/dm-1" => Some((253, 1)),         // LVM on LUKS
            "/dev/dm-2" => Some((253, 2)),         // LVM on a plain partition
            "/home/x/swap file" => Some((253, 1)), // a file on LVM on LUKS
            _ => None,                             // cannot be checked
        };
        assert_eq!(
            unencrypted_in(&swaps, sys, dev),
            ["/swapfile", "/dev/dm-2", "/gone"],
            "plain disks and what cannot be checked are reported; LUKS (under LVM too) and zram are not"
        );
        assert!(
            unencrypted_in(HEADER, sys, dev).is_empty(),
            "no swap, no warning"
        );
    }
}
