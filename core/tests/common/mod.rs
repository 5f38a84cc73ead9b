//! Helpers shared by the core's integration tests.

/// The entries of an archive (name, data), inflated; names are UTF-8, as every testdata
/// MOJO's are.
pub fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let archive = scorer::zip::Archive::new(bytes).unwrap();
    archive
        .entries()
        .map(|e| {
            let mut out = vec![0u8; e.size()];
            e.read_into(&mut out).unwrap();
            let name = String::from_utf8(e.name().to_vec()).expect("a UTF-8 entry name");
            (name, out)
        })
        .collect()
}

/// A zip archive of `entries` (name, data), stored uncompressed with correct CRCs, as the
/// tests that rebuild MOJOs with edited or broken entries need.
pub fn stored_zip<N: AsRef<[u8]>>(entries: &[(N, Vec<u8>)]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in entries {
        let name = name.as_ref();
        let offset = out.len() as u32;
        let crc = scorer::zip::crc32::checksum(data);
        let header = |sig: u32, out: &mut Vec<u8>, central: bool| {
            out.extend(sig.to_le_bytes());
            if central {
                out.extend(20u16.to_le_bytes()); // made by
            }
            out.extend(20u16.to_le_bytes()); // version needed
            out.extend([0u8; 4]); // flags, method (stored)
            out.extend([0u8; 4]); // time, date
            out.extend(crc.to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend([0u8; 2]); // extra
            if central {
                out.extend([0u8; 10]); // comment, disk, internal and external attributes
                out.extend(offset.to_le_bytes());
            }
            out.extend(name);
        };
        header(0x0403_4b50, &mut out, false);
        out.extend(data);
        header(0x0201_4b50, &mut central, true);
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend([0u8; 2]); // comment length
    out
}
