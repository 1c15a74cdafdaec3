import { useState } from 'preact/hooks';

/** Shown when the server asks for a token (or one is set): kept in sessionStorage only, see session.ts. */
export function TokenField({ token, onToken }: { token: string; onToken: (token: string) => void }) {
  const [value, setValue] = useState(token);
  return (
    <form
      class="token-field"
      onSubmit={(event) => {
        event.preventDefault();
        onToken(value.trim());
      }}
    >
      <label>
        Bearer token{' '}
        <input
          type="password"
          name="token"
          autocomplete="off"
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
      </label>
      <button type="submit">Use</button>
      {token && (
        <button
          type="button"
          onClick={() => {
            setValue('');
            onToken('');
          }}
        >
          Forget
        </button>
      )}
    </form>
  );
}
