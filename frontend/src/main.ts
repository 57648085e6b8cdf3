import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { api } from '@/api/client'
import { createAppRouter, installGuards, leaveEndedSession, to } from '@/router'
import { useSessionStore } from '@/stores/session'
import App from './App.vue'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)

const session = useSessionStore(pinia)
const router = createAppRouter()
installGuards(router, () => session)

api.setAuth({
  onActivity: (startedAt) => session.touched(startedAt),
  onUnauthorized: () => leaveEndedSession(router, session),
  onPasswordChangeRequired: () => {
    if (router.currentRoute.value.name !== 'security') void router.push(to('security'))
  },
  onFactorEnrolmentRequired: () => {
    session.setFactorEnrolmentRequired(true)
    if (router.currentRoute.value.name !== 'security') void router.push(to('security'))
  },
})

// Who is signed in is the API's to say (the cookie is out of this script's reach): ask once
// before the first page is chosen.
void session.restore().finally(() => {
  app.use(router)
  app.mount('#app')
})
