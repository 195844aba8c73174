// Shown when the service asks for credentials (AUTH_MODE=token): an access token or an API key with
// the supervisor or operator role. Nothing is sent until the form is submitted.
import { useId, useState } from "react";

export function SignIn(props: { reason: string; onSignIn(credential: string): void }) {
  const [value, setValue] = useState("");
  const id = useId();
  return (
    <section className="sign-in" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Sign in</h2>
      <p role="alert" className="sign-in-reason">
        {props.reason}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) props.onSignIn(value.trim());
        }}
      >
        <label htmlFor={`${id}-credential`}>Access token or API key</label>
        <input id={`${id}-credential`} type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} required />
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
      <p className="muted">Kept in this tab only. A wall screen can open <code>/#token=…</code> instead.</p>
    </section>
  );
}
