// Passkeys in the browser: the server's options (JSON, base64url byte fields, as py_webauthn's
// options_to_json writes them) into navigator.credentials.create/get, and the credential back into
// the JSON the server parses (PublicKeyCredential.toJSON()). The browser's own JSON helpers are
// used when it has them; otherwise the same conversion by hand.

type Json = Record<string, unknown>

export function base64urlToBuffer(text: string): ArrayBuffer {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=')
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}

export function bufferToBase64url(buffer: ArrayBuffer | ArrayBufferView): string {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const descriptors = (list: unknown) =>
  Array.isArray(list) ? list.map((item: Json) => ({ ...item, id: base64urlToBuffer(String(item.id)) })) : undefined

interface JsonAwareCredential {
  parseCreationOptionsFromJSON?: (options: Json) => PublicKeyCredentialCreationOptions
  parseRequestOptionsFromJSON?: (options: Json) => PublicKeyCredentialRequestOptions
}

function creationOptions(options: Json): PublicKeyCredentialCreationOptions {
  const native = (globalThis.PublicKeyCredential as unknown as JsonAwareCredential | undefined)?.parseCreationOptionsFromJSON
  if (native) return native(options)
  const user = options.user as Json
  return {
    ...(options as object),
    challenge: base64urlToBuffer(String(options.challenge)),
    user: { ...user, id: base64urlToBuffer(String(user.id)) },
    excludeCredentials: descriptors(options.excludeCredentials),
  } as PublicKeyCredentialCreationOptions
}

function requestOptions(options: Json): PublicKeyCredentialRequestOptions {
  const native = (globalThis.PublicKeyCredential as unknown as JsonAwareCredential | undefined)?.parseRequestOptionsFromJSON
  if (native) return native(options)
  return {
    ...(options as object),
    challenge: base64urlToBuffer(String(options.challenge)),
    allowCredentials: descriptors(options.allowCredentials),
  } as PublicKeyCredentialRequestOptions
}

/** The credential as the server reads it: toJSON() when the browser has it, else built by hand. */
export function credentialToJSON(credential: PublicKeyCredential): Json {
  const withJson = credential as PublicKeyCredential & { toJSON?: () => Json }
  if (typeof withJson.toJSON === 'function') return withJson.toJSON()
  const response = credential.response as AuthenticatorResponse & Record<string, unknown>
  const out: Json = { clientDataJSON: bufferToBase64url(response.clientDataJSON) }
  for (const key of ['attestationObject', 'authenticatorData', 'signature', 'userHandle']) {
    const value = response[key]
    if (value instanceof ArrayBuffer) out[key] = bufferToBase64url(value)
  }
  const transports = (response as { getTransports?: () => string[] }).getTransports
  if (typeof transports === 'function') out.transports = transports.call(response)
  return {
    id: credential.id,
    rawId: bufferToBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: out,
  }
}

/** Creates a passkey for the server's creation options; the credential as JSON. */
export async function createPasskey(options: Json): Promise<Json> {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) })
  if (!credential) throw new Error('No passkey was created.')
  return credentialToJSON(credential as PublicKeyCredential)
}

/** Signs the server's request options with a passkey; the assertion as JSON. */
export async function usePasskeyAssertion(options: Json): Promise<Json> {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) })
  if (!credential) throw new Error('No passkey was used.')
  return credentialToJSON(credential as PublicKeyCredential)
}
