/** Hides the password (and user) of a connection string, so it can be printed. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)([^@/]+)@/, '$1***:***@')
}
