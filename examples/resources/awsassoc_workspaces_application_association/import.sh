# The import ID is the WorkSpace ID and the application ID, separated by a comma.
terraform import awsassoc_workspaces_application_association.example ws-0123abcd4,wsa-0123abcd4
