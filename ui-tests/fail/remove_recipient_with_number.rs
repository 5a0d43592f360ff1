// A recipient row is named by its RowId (which knows its message), not by
// a bare PR_ROWID number.
use oxmsg::{RecipientChange, Session};

fn main() {
    let session = Session::new();
    let msg = session.opener().create_in_memory().unwrap();
    msg.modify_recipients([RecipientChange::Remove(0)]).unwrap();
}
