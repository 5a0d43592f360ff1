// A property stream used and dropped while its message is alive; the
// message and then the session are closed afterwards.
use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use oxmsg::{tags, Session};

fn main() -> oxmsg::Result<()> {
    let session = Session::new();
    let mut rw = session.opener().create_in_memory()?;
    {
        let mut w = rw.open_stream_mut(tags::BODY)?;
        w.write_all(
            &"streamed body"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
        )
        .unwrap();
        w.commit()?;
    }
    rw.save_changes()?;
    let bytes = rw.to_bytes()?;
    drop(rw);

    let msg = session.opener().reader(Cursor::new(bytes))?;
    {
        let mut s = msg.open_stream(tags::BODY)?;
        let len = s.len();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        assert_eq!(raw.len() as u64, len);
        s.seek(SeekFrom::Start(0)).unwrap();
        drop(s);
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units).unwrap(), "streamed body");
    }
    assert_eq!(msg.get(tags::BODY)?.as_deref(), Some("streamed body"));
    drop(msg);
    session.close();
    Ok(())
}
