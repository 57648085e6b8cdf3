import { describe, expect, it } from 'vitest'
import { codeLabel, codeProof, otpauthSecret, svgDataUrl } from './factorCode'

describe('factor codes', () => {
  it('reads six digits as the app’s code and sixteen characters as a recovery code, only when offered', () => {
    expect(codeProof(' 123 456 ', ['totp', 'recovery_code'])).toEqual({ method: 'totp', code: '123456' })
    expect(codeProof('abcd-efgh-jkmn-pqrs', ['totp', 'recovery_code'])).toEqual({ method: 'recovery_code', code: 'ABCD-EFGH-JKMN-PQRS' })
    expect(codeProof('123456', ['recovery_code'])).toBeNull()
    expect(codeProof('12345', ['totp'])).toBeNull()
    expect(codeLabel(['passkey'])).toBeNull()
  })

  it('shows the otpauth secret in fours for typing in', () => {
    expect(otpauthSecret('otpauth://totp/IE%20Bank:a?secret=JBSWY3DPEHPK3PXP&issuer=IE%20Bank')).toBe('JBSW Y3DP EHPK 3PXP')
    expect(otpauthSecret('not a uri')).toBe('')
  })

  it('gives inline SVG the namespace an image file needs, and keeps one that has it', () => {
    const inline = '<svg width="132" height="132" class="segno"><path d="M0 0h1"/></svg>'
    expect(decodeURIComponent(svgDataUrl(inline).split(',')[1]!)).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" class="segno"><path d="M0 0h1"/></svg>',
    )
    const file = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    expect(decodeURIComponent(svgDataUrl(file).split(',')[1]!)).toBe(file)
  })
})
