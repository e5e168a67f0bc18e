// The input is split into a bundle's three files at its first two 0xFF bytes (which UTF-8 never
// holds): manifest.json, trace.jsonl, payloads/1.json. A seed from corpus/ is those joined so.
use std::path::Path;

pub fn write_bundle(data: &[u8], dir: &Path) {
    let mut parts = data.splitn(3, |&b| b == 0xFF);
    let (manifest, log, payload) =
        (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    std::fs::create_dir_all(dir.join("payloads")).unwrap();
    std::fs::write(dir.join("manifest.json"), manifest).unwrap();
    std::fs::write(dir.join("trace.jsonl"), log).unwrap();
    std::fs::write(dir.join("payloads/1.json"), payload).unwrap();
}
