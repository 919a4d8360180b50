/** Random secrets for links and passwords: URL-safe base64 of `bytes` random bytes. */
export function newToken(bytes = 16): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...random)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}
