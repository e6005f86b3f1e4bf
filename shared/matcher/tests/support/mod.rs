//! What several of this crate's integration tests share.

use std::path::Path;

use frontline_matcher::Matcher;

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

/// The ids of the three articles related to `question` (in the language detected in it),
/// best first.
pub fn related_ids(matcher: &Matcher, question: &str) -> Vec<String> {
    matcher
        .related_articles(question, frontline_matcher::language::detect(question), 3)
        .into_iter()
        .map(|s| s.id)
        .collect()
}
