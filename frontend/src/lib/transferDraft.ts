import type { TransferRequest } from '@/api/types'

// A transfer under review when the session ended, kept in this tab's sessionStorage (gone with the
// tab, as the token is) so that after signing in again the same person is back on its review.
// Never its Idempotency-Key: the refused attempt moved nothing, and the review gets a fresh one.
const KEY = 'iebank.transfer-draft'

interface Draft {
  username: string
  request: TransferRequest
}

export function keepTransferDraft(username: string, request: TransferRequest) {
  sessionStorage.setItem(KEY, JSON.stringify({ username, request } satisfies Draft))
}

/** The draft kept for `username`, removed as it is read; a draft of someone else is dropped. */
export function takeTransferDraft(username: string | undefined): TransferRequest | null {
  const raw = sessionStorage.getItem(KEY)
  sessionStorage.removeItem(KEY)
  if (!raw || !username) return null
  try {
    const draft = JSON.parse(raw) as Draft
    return draft.username === username && draft.request ? draft.request : null
  } catch {
    return null
  }
}
