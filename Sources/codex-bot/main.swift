import CodexBotCLI

await CodexBot.execute()
