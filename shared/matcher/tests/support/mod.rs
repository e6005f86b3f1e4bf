//! What several of this crate's integration tests share.

use std::path::Path;

/// Copies the folder `from` (a demo storefront, its knowledge base) into `to`, at any
/// depth, so a test can change the files without touching the repository's.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
