from pycolonies import FuncSpec, Conditions
from pycolonies import colonies_client

colonies, colonyname, colony_prvkey, executorname, prvkey = colonies_client()

func_spec = FuncSpec(
     funcname="helloworld",
     conditions = Conditions(
         colonyname=colonyname,
         executortype="helloworld-executor"
     ),
     maxexectime=100,
     maxretries=3
)

# submit the function spec to the colonies server
process = colonies.submit_func_spec(func_spec, prvkey)
print("Process", process.processid, "submitted")

# wait for the process to be executed
process = colonies.wait(process, 10, prvkey)
print(process.output[0])
