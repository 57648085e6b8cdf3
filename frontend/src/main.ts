import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { api } from '@/api/client'
import { createAppRouter, installGuards } from '@/router'
import { useSessionStore } from '@/stores/session'
import App from './App.vue'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)

const session = useSessionStore(pinia)
const router = createAppRouter()
// currentToken() first, so a token that ran out while the tab was idle counts as signed out.
installGuards(router, () => {
  session.currentToken()
  return session
})

api.setAuth({
  getToken: () => session.currentToken(),
  onUnauthorized: () => {
    const current = router.currentRoute.value
    session.signOut('ended')
    // Sign-in keeps the username, so the person only types the password again.
    const username = session.endedFor
    if (current.meta.requiresAuth) {
      void router.push({ name: 'sign-in', query: { redirect: current.fullPath, expired: '1', ...(username ? { username } : {}) } })
    }
  },
})

app.use(router)
app.mount('#app')
