//! The names the files of `pkg/` are served under.
//!
//! `scripts/build-site.sh` puts a hash of each file's content in its name (`hailong.css` becomes
//! `hailong.3f9a1c2b5d7e0f46.css`) and lists the hashes in `hash.txt` at the site root, in the
//! format cargo-leptos writes and Leptos's `HydrationScripts` reads: `js`, `wasm` and `css` stand
//! for the wasm-bindgen output and the main stylesheet, any other key is a file name
//! (`kiosk.js: …`). A new build gives a changed file a new name, so the server can let browsers
//! keep hashed files for a year without asking again. Without `hash.txt` (no site built, or a
//! cargo-leptos build) every file keeps its plain name and nothing breaks.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Where the manifest lives, relative to the site root (Leptos's default `hash_file`).
pub const MANIFEST: &str = "hash.txt";

/// Where `pkg/` is served, as `LeptosOptions::site_pkg_dir` says.
pub const PKG_URL: &str = "/pkg";

/// Why a manifest could not be used; the server refuses to start rather than link missing files.
#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// The served name of every hashed file, read once at start-up.
#[derive(Clone, Debug, Default)]
pub struct Assets {
    /// Plain file name (`kiosk.css`) → served file name (`kiosk.0123456789abcdef.css`).
    served: HashMap<String, String>,
    /// The manifest they come from, absolute: Leptos joins `hash_file` to the directory of the
    /// running executable, which an absolute path replaces.
    manifest: Option<PathBuf>,
    /// The spoken clips the build synthesised (`speech.{hash}.mp3` in `pkg/`): a page offers a
    /// clip only when it is there.
    spoken: HashSet<String>,
}

impl Assets {
    /// Reads `site_root/hash.txt`; plain names when it does not exist. `output_name` is the
    /// stem of the wasm-bindgen output and the main stylesheet (`hailong`).
    pub fn load(site_root: &Path, output_name: &str) -> Result<Assets, AssetsError> {
        let path = site_root.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Assets::default()),
            Err(source) => return Err(AssetsError::Read { path, source }),
        };
        let served = parse(&text, output_name).map_err(|(line, message)| AssetsError::Invalid {
            path: path.clone(),
            line,
            message,
        })?;
        let manifest = std::path::absolute(&path).map_err(|source| AssetsError::Read {
            path: path.clone(),
            source,
        })?;
        let spoken = match std::fs::read_dir(site_root.join("pkg")) {
            Ok(files) => files
                .filter_map(|f| f.ok()?.file_name().into_string().ok())
                .filter(|name| name.starts_with("speech.") && name.ends_with(".mp3"))
                .collect(),
            Err(_) => HashSet::new(),
        };
        Ok(Assets {
            served,
            manifest: Some(manifest),
            spoken,
        })
    }

    /// The URL of the spoken clip `file` (`survey_definitions::speech::clip_file`), if the build
    /// made it.
    pub fn spoken_url(&self, file: &str) -> Option<String> {
        self.spoken
            .contains(file)
            .then(|| format!("{PKG_URL}/{file}"))
    }

    /// The URL of `pkg/{name}` as this server ships it, e.g. `/pkg/kiosk.0123456789abcdef.css`.
    pub fn url(&self, name: &str) -> String {
        format!("{PKG_URL}/{}", self.served_name(name))
    }

    /// The file name `name` is served under: hashed when the manifest lists it, else itself.
    fn served_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.served.get(name).map_or(name, String::as_str)
    }

    /// Whether `file_name` (in `pkg/`) carries a content hash, so its content never changes:
    /// a file of this build, or of the build before it, which `scripts/build-site.sh` keeps so
    /// that a page loaded just before a deploy still gets its own script afterwards.
    pub fn is_hashed(&self, file_name: &str) -> bool {
        self.served.values().any(|served| served == file_name)
            || (self.manifest.is_some() && carries_hash(file_name))
    }

    /// The manifest in use, for `LeptosOptions::hash_file`; `None` means plain names.
    pub fn manifest(&self) -> Option<&Path> {
        self.manifest.as_deref()
    }
}

/// Whether a file name has the shape `scripts/build-site.sh` gives: `{stem}.{16 hex}.{extension}`.
fn carries_hash(file_name: &str) -> bool {
    let mut parts = file_name.rsplitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(extension), Some(hash), Some(stem)) => {
            !extension.is_empty()
                && !stem.is_empty()
                && !file_name.contains('/')
                && hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }
        _ => false,
    }
}

/// `key: hash` lines → plain name → hashed name; an error is the line number and what is wrong.
fn parse(text: &str, output_name: &str) -> Result<HashMap<String, String>, (usize, String)> {
    let mut served = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, hash)) = line.split_once(':') else {
            return Err((
                line_number,
                format!("expected `name: hash`, found `{line}`"),
            ));
        };
        let (key, hash) = (key.trim(), hash.trim());
        // The hash becomes part of a URL and a file name: nothing that could leave `pkg/`.
        if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err((line_number, format!("`{hash}` is not a hash")));
        }
        // Leptos's own keys name the wasm-bindgen pair and the stylesheet by extension alone.
        let plain = match key {
            "js" | "wasm" | "css" => format!("{output_name}.{key}"),
            _ => key.to_string(),
        };
        let Some((stem, extension)) = plain.rsplit_once('.').filter(|(stem, extension)| {
            !stem.is_empty() && !extension.is_empty() && !plain.contains('/')
        }) else {
            return Err((line_number, format!("`{key}` is not a file name")));
        };
        let hashed = format!("{stem}.{hash}.{extension}");
        if served.insert(plain, hashed).is_some() {
            return Err((line_number, format!("`{key}` is listed twice")));
        }
    }
    Ok(served)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST_TEXT: &str = "js: 1111111111111111\nwasm: 2222222222222222\n\
        css: 3333333333333333\nkiosk.js: 4444444444444444\n";

    fn assets(text: &str) -> Assets {
        Assets {
            served: parse(text, "hailong").expect("a valid manifest"),
            manifest: Some(PathBuf::from("/site/hash.txt")),
            spoken: HashSet::new(),
        }
    }

    #[test]
    fn the_previous_builds_files_count_as_hashed_only_with_a_manifest() {
        let built = assets(MANIFEST_TEXT);
        assert!(
            built.is_hashed("hailong.aaaaaaaaaaaaaaaa.js"),
            "kept from the last build"
        );
        assert!(built.is_hashed("kiosk.0123456789abcdef.css"));
        assert!(!built.is_hashed("hailong.js"));
        assert!(!built.is_hashed("hailong.123.js"));
        assert!(!built.is_hashed(".aaaaaaaaaaaaaaaa.js"));
        assert!(!built.is_hashed("hailong.aaaaaaaaaaaaaaaz.js"));
        let plain = Assets {
            served: HashMap::new(),
            manifest: None,
            spoken: HashSet::new(),
        };
        assert!(!plain.is_hashed("hailong.aaaaaaaaaaaaaaaa.js"));
    }

    #[test]
    fn listed_files_are_served_under_their_hashed_names() {
        let assets = assets(MANIFEST_TEXT);
        assert_eq!(
            assets.url("hailong.css"),
            "/pkg/hailong.3333333333333333.css"
        );
        assert_eq!(assets.url("hailong.js"), "/pkg/hailong.1111111111111111.js");
        assert_eq!(
            assets.url("hailong.wasm"),
            "/pkg/hailong.2222222222222222.wasm"
        );
        assert_eq!(assets.url("kiosk.js"), "/pkg/kiosk.4444444444444444.js");
        assert!(assets.is_hashed("kiosk.4444444444444444.js"));
        assert!(!assets.is_hashed("kiosk.js"));
    }

    #[test]
    fn files_missing_from_the_manifest_keep_their_plain_names() {
        let assets = assets(MANIFEST_TEXT);
        assert_eq!(assets.url("dashboard.js"), "/pkg/dashboard.js");
        assert!(!assets.is_hashed("dashboard.js"));
    }

    #[test]
    fn without_a_manifest_every_name_is_plain() {
        let site = std::env::temp_dir().join(format!("hailong-no-site-{}", std::process::id()));
        let assets = Assets::load(&site, "hailong").expect("a missing manifest is not an error");
        assert_eq!(assets.url("hailong.css"), "/pkg/hailong.css");
        assert!(assets.manifest().is_none());
        assert!(!assets.is_hashed("hailong.css"));
    }

    #[test]
    fn a_manifest_on_disk_is_found_by_an_absolute_path() {
        let site = std::env::temp_dir().join(format!("hailong-site-{}", std::process::id()));
        std::fs::create_dir_all(&site).expect("create the site");
        std::fs::write(site.join(MANIFEST), MANIFEST_TEXT).expect("write the manifest");
        let assets = Assets::load(&site, "hailong");
        std::fs::remove_dir_all(&site).expect("remove the site");

        let assets = assets.expect("a valid manifest loads");
        assert_eq!(
            assets.url("hailong.css"),
            "/pkg/hailong.3333333333333333.css"
        );
        assert!(assets.manifest().is_some_and(Path::is_absolute));
    }

    #[test]
    fn broken_lines_are_refused_with_their_line_number() {
        for (text, line, says) in [
            ("css: 33\ngarbage\n", 2, "expected `name: hash`"),
            ("css: ../../etc\n", 1, "is not a hash"),
            ("css:\n", 1, "is not a hash"),
            ("noextension: 44\n", 1, "is not a file name"),
            ("../kiosk.js: 44\n", 1, "is not a file name"),
            ("css: 33\n\ncss: 34\n", 3, "listed twice"),
        ] {
            let (at, message) = parse(text, "hailong").expect_err(text);
            assert_eq!(at, line, "{text:?}");
            assert!(message.contains(says), "{text:?}: {message}");
        }
    }
}
