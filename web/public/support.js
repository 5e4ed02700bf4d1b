// The support site's chat: anonymous (no customer context), opened from the page's button.
Syncdesk.init({title: "syncdesk", subtitle: "Joblogic's helper for Xero sync errors"});
document.getElementById("start-chat").addEventListener("click", function () { Syncdesk.open(); });
