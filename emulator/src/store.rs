//! Buckets, objects and uploads: objects in memory, or as files under a
//! directory (`<dir>/<bucket>/<md5 of the key>.data` beside a `.meta`
//! text file holding the key, ETag, time and headers).

use crate::xml::{hex, md5, quoted_md5};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where an object's bytes are.
#[derive(Clone)]
pub(crate) enum Data {
    Memory(Arc<Vec<u8>>),
    File(PathBuf),
}

#[derive(Clone)]
pub(crate) struct Object {
    pub data: Data,
    pub size: u64,
    pub etag: String,
    pub last_modified: u64,
    /// Stored headers (`Content-Type`, `x-cos-meta-*`, ...), as received.
    pub headers: Vec<(String, String)>,
}

pub(crate) struct Part {
    pub data: Vec<u8>,
    /// MD5 of the data, raw.
    pub md5: [u8; 16],
    pub etag: String,
    pub last_modified: u64,
}

pub(crate) struct Upload {
    pub bucket: String,
    pub key: String,
    pub initiated: u64,
    /// Headers given at Initiate, for the object.
    pub headers: Vec<(String, String)>,
    pub parts: BTreeMap<u16, Part>,
}

pub(crate) struct Store {
    /// Bucket → region.
    pub buckets: HashMap<String, String>,
    objects: BTreeMap<(String, String), Object>,
    pub uploads: BTreeMap<String, Upload>,
    pub next_upload: u64,
    dir: Option<PathBuf>,
}

/// Percent-encodes every byte but unreserved ones (for the `.meta` file).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn invalid(what: &str, path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

impl Store {
    /// A store for these buckets; with `dir`, the objects found there.
    pub fn open(buckets: &[(String, String)], dir: Option<PathBuf>) -> io::Result<Self> {
        let mut store = Self {
            buckets: buckets.iter().cloned().collect(),
            objects: BTreeMap::new(),
            uploads: BTreeMap::new(),
            next_upload: 0,
            dir,
        };
        if let Some(dir) = store.dir.clone() {
            for (bucket, _) in buckets {
                let bucket_dir = dir.join(bucket);
                fs::create_dir_all(&bucket_dir)?;
                for entry in fs::read_dir(&bucket_dir)? {
                    let path = entry?.path();
                    if path.extension().is_some_and(|e| e == "meta") {
                        let (key, object) = Self::load(&path)?;
                        store.objects.insert((bucket.clone(), key), object);
                    }
                }
            }
        }
        Ok(store)
    }

    fn load(meta: &Path) -> io::Result<(String, Object)> {
        let text = fs::read_to_string(meta)?;
        let decode = |v: &str| crate::http::decode_component(v);
        let (mut key, mut etag, mut time) = (None, None, None);
        let mut headers = Vec::new();
        for line in text.lines() {
            let (field, value) = line.split_once(' ').unwrap_or((line, ""));
            match field {
                "key" => key = decode(value),
                "etag" => etag = Some(value.to_owned()),
                "last-modified" => time = value.parse().ok(),
                "header" => {
                    let (n, v) = value
                        .split_once(' ')
                        .ok_or_else(|| invalid("bad header line", meta))?;
                    headers.push((
                        decode(n).ok_or_else(|| invalid("bad header", meta))?,
                        decode(v).ok_or_else(|| invalid("bad header", meta))?,
                    ));
                }
                _ => return Err(invalid("unknown line", meta)),
            }
        }
        let data = meta.with_extension("data");
        let size = fs::metadata(&data)?.len();
        let (Some(key), Some(etag), Some(last_modified)) = (key, etag, time) else {
            return Err(invalid("incomplete", meta));
        };
        let object = Object {
            data: Data::File(data),
            size,
            etag,
            last_modified,
            headers,
        };
        Ok((key, object))
    }

    pub fn get(&self, bucket: &str, key: &str) -> Option<Object> {
        self.objects
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned()
    }

    /// An object's bytes.
    pub fn read(&self, object: &Object) -> io::Result<Arc<Vec<u8>>> {
        match &object.data {
            Data::Memory(d) => Ok(Arc::clone(d)),
            Data::File(path) => fs::read(path).map(Arc::new),
        }
    }

    /// Stores an object (ETag: the MD5 of the bytes, unless given).
    pub fn put(
        &mut self,
        bucket: &str,
        key: &str,
        data: Vec<u8>,
        headers: Vec<(String, String)>,
        etag: Option<String>,
        now: u64,
    ) -> io::Result<Object> {
        let etag = etag.unwrap_or_else(|| quoted_md5(&md5(&data)));
        let size = data.len() as u64;
        let data = match &self.dir {
            None => Data::Memory(Arc::new(data)),
            Some(dir) => {
                let base = dir.join(bucket).join(hex(&md5(key.as_bytes())));
                let data_path = base.with_extension("data");
                let tmp = base.with_extension("tmp");
                fs::write(&tmp, &data)?;
                fs::rename(&tmp, &data_path)?;
                let mut meta = format!("key {}\netag {etag}\nlast-modified {now}\n", encode(key));
                for (n, v) in &headers {
                    meta.push_str(&format!("header {} {}\n", encode(n), encode(v)));
                }
                let mut f = fs::File::create(&tmp)?;
                f.write_all(meta.as_bytes())?;
                drop(f);
                fs::rename(&tmp, base.with_extension("meta"))?;
                Data::File(data_path)
            }
        };
        let object = Object {
            data,
            size,
            etag,
            last_modified: now,
            headers,
        };
        self.objects
            .insert((bucket.to_owned(), key.to_owned()), object.clone());
        Ok(object)
    }

    /// Removes an object; `Ok(false)` if there was none.
    pub fn delete(&mut self, bucket: &str, key: &str) -> io::Result<bool> {
        match self.objects.remove(&(bucket.to_owned(), key.to_owned())) {
            None => Ok(false),
            Some(Object {
                data: Data::File(path),
                ..
            }) => {
                fs::remove_file(path.with_extension("meta"))?;
                fs::remove_file(path)?;
                Ok(true)
            }
            Some(_) => Ok(true),
        }
    }

    /// The keys of a bucket's objects, sorted.
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        self.objects
            .keys()
            .filter(|(b, _)| b == bucket)
            .map(|(_, k)| k.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_under_a_directory_survive_a_reopen() {
        let dir = std::env::temp_dir().join(format!("cos-emulator-store-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let buckets = [("b-1".to_owned(), "r".to_owned())];
        let key = "dir/a b+ü\n~*!()'.bin";
        let headers = vec![("Content-Type".to_owned(), "text/plain; a=b".to_owned())];
        {
            let mut s = Store::open(&buckets, Some(dir.clone())).unwrap();
            s.put("b-1", key, b"hello".to_vec(), headers.clone(), None, 7)
                .unwrap();
            s.put("b-1", "gone", b"x".to_vec(), Vec::new(), None, 7)
                .unwrap();
            assert!(s.delete("b-1", "gone").unwrap());
            assert!(!s.delete("b-1", "gone").unwrap());
        }
        let s = Store::open(&buckets, Some(dir.clone())).unwrap();
        assert_eq!(s.keys("b-1"), [key]);
        let o = s.get("b-1", key).unwrap();
        assert_eq!(o.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
        assert_eq!((o.size, o.last_modified), (5, 7));
        assert_eq!(o.headers, headers);
        assert_eq!(s.read(&o).unwrap().as_slice(), b"hello");
        fs::remove_dir_all(&dir).unwrap();
    }
}
