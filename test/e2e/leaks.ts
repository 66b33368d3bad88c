/**
 * What would give the authorizer's tenant credentials away in an answer: an STS-issued access key
 * id (`ASIA` and 16 more characters, the form every temporary key has) or any of the names the
 * credentials travel under (the authorizer's context, the identity pool's answer, the SDK's shape).
 */
const CREDENTIAL_MARKERS: readonly RegExp[] = [/\bASIA[A-Z0-9]{16}\b/, /access_?key_?id/i, /secret_?(access_?)?key/i, /session_?token/i];

/** Fails naming the first answer (method, path, status, headers, body) that carries any of them. */
export function expectNoCredentialsIn(answers: readonly string[]): void {
  expect(answers.length).toBeGreaterThan(0);
  const leaking = answers.filter((answer) => CREDENTIAL_MARKERS.some((marker) => marker.test(answer)));
  expect(leaking).toEqual([]);
}
