/**
 * Removes credentials from text that may hold a MongoDB connection string or its parts, before it
 * goes into an error message, a status reason or a log line. Every error path of the backend goes
 * through it (see `to-backend-error.ts`); it is exported for applications that log driver errors.
 *
 * - `mongodb://user:secret@host` and `mongodb+srv://…` become `mongodb://***@host`
 * - credential-bearing query parameters (`password=`, `authMechanismProperties=`, AWS and TLS
 *   key passwords, …) keep their name and lose their value
 */
export function redact(text: string): string {
  return text
    .replace(/(mongodb(?:\+srv)?:\/\/)[^@/\s"'`]*@/gi, '$1***@')
    .replace(
      /\b(password|passwd|pwd|secret|authMechanismProperties|tlsCertificateKeyFilePassword|sslPass|AWS_SESSION_TOKEN|aws_secret_access_key)=[^&\s"'`]*/gi,
      '$1=***',
    )
}
