import type { FactorProof } from '@/api/types'

/**
 * The one code field's answer: six digits are the authenticator app's code, anything longer a
 * recovery code (XXXX-XXXX-XXXX-XXXX, as the bank showed it; spaces and case do not matter).
 */
export function codeProof(typed: string, methods: readonly string[]): FactorProof | null {
  const code = typed.replace(/\s+/g, '')
  if (/^\d{6}$/.test(code) && methods.includes('totp')) return { method: 'totp', code }
  if (code.replace(/-/g, '').length === 16 && methods.includes('recovery_code')) return { method: 'recovery_code', code: code.toUpperCase() }
  return null
}

/** What the code field asks for, from the methods the challenge offers. */
export function codeLabel(methods: readonly string[]): string | null {
  const app = methods.includes('totp')
  const recovery = methods.includes('recovery_code')
  if (app && recovery) return 'Code from your authenticator app, or a recovery code'
  if (app) return 'Code from your authenticator app'
  if (recovery) return 'Recovery code'
  return null
}

/** The secret in an otpauth:// URI, spaced in fours for typing it into an app by hand. */
export function otpauthSecret(uri: string): string {
  try {
    const secret = new URL(uri).searchParams.get('secret') ?? ''
    return secret.replace(/(.{4})/g, '$1 ').trim()
  } catch {
    return ''
  }
}

/**
 * A data: URL for an SVG from our own API, shown as an <img> (never as markup: an image runs no
 * script). As a file of its own it needs the SVG namespace, which inline SVG (the API's) leaves out.
 */
export function svgDataUrl(svg: string): string {
  const file = /^<svg\b[^>]*\bxmlns=/.test(svg) ? svg : svg.replace(/^<svg\b/, '<svg xmlns="http://www.w3.org/2000/svg"')
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(file)}`
}
