//! Attest's RFC 8785 form of every file in the folders given, one JSON line per file on stdout:
//! `{"file": PATH, "canonical": TEXT}` or `{"file": PATH, "error": MESSAGE}`. The differential
//! script (`rfc8785_differential.py`) reads the same files with Python's `rfc8785` and compares.

use std::io::Write;

use serde_json::json;

fn main() -> Result<(), String> {
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{dir}: {e}"))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{dir}: {e}"))?.path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = path.display().to_string();
        let line = match attest_domain::canonical::canonicalize_json(&bytes) {
            Ok(canonical) => match String::from_utf8(canonical) {
                Ok(text) => json!({"file": file, "canonical": text}),
                Err(e) => {
                    json!({"file": file, "error": format!("canonical form is not UTF-8: {e}")})
                }
            },
            Err(e) => json!({"file": file, "error": e.to_string()}),
        };
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}
